# The site's dates in Spanish: "6 de diciembre de 2026", "6 de diciembre de 2026, 14:05".
DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
