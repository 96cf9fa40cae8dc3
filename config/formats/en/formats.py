# The site's dates in English: "6 December 2026", "6 December 2026, 14:05".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
