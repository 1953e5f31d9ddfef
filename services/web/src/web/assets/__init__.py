"""The pages' front-end assets (KERN UX styles, fonts, site.js): where they are, how they are built."""
