"""Facts fixed by CONTRACT.md that several tests check against."""

# The 14 region slugs and their official district keys (Kreisschlüssel).
CONTRACT_REGIONS = {
    "altmarkkreis-salzwedel": "15081",
    "anhalt-bitterfeld": "15082",
    "boerde": "15083",
    "burgenlandkreis": "15084",
    "dessau-rosslau": "15001",
    "halle": "15002",
    "harz": "15085",
    "jerichower-land": "15086",
    "magdeburg": "15003",
    "mansfeld-suedharz": "15087",
    "saalekreis": "15088",
    "salzlandkreis": "15089",
    "stendal": "15090",
    "wittenberg": "15091",
}
