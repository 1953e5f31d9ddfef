"""The registrant's e-mail with the link to their participation certificate (issue 20)."""
