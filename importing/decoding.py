"""
Reading the organisation's text files, whatever state they are in.

Files arrive from word processors and old content systems: a byte-order
mark, Windows line endings, text that was once saved through the wrong
encoding ("bodyâ€™s" for "body’s"). This module turns such bytes into clean
text once, so that every importer parses the same thing.
"""

import re
from dataclasses import dataclass

import ftfy


class UnreadableFileError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


# Repair encoding damage only; leave typography (curly quotes, dashes) alone,
# because it is the organisation's writing, not damage.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    normalization="NFC",
)


def _as_windows_1252(byte):
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined, kept as their control character


# How the bytes 0x80–0xBF (the tails of UTF-8 sequences) look after a wrong Windows-1252 decode.
_TAILS = "".join(_as_windows_1252(byte) for byte in range(0x80, 0xC0))

# "â€" is the wrong decode of the first two bytes of ” “ ’ – — …; when the third
# byte is missing it was almost always 0x9D (the ” closing quote), which
# Windows-1252 does not define and so drops. Repair tools guess a dagger (†)
# when a space follows, eating the space: “systemic†treatment. Restoring the
# 0x9D first lets the repair see a closing quote, as the writer meant.
_LOST_CLOSING_QUOTE = re.compile("â€(?![" + re.escape(_TAILS) + "])")

# Signs of damage that no repair could undo, checked after repair: any "â€";
# a control character of the 0x80–0x9F range; "Ã" or "Â" followed by what was
# a UTF-8 tail byte, or inside a lower-case word ("cafÃ" for "café"; "SÃO" is
# Portuguese and fine); a dagger glued between two words, or closing a quote.
_STILL_DAMAGED = re.compile(
    r"â€|[\x80-\x9f]|[ÃÂ](?=[" + re.escape(_TAILS) + r"])|(?<=[a-zà-ÿ])Ã|Ã(?=[a-zà-ÿ])"
    r"|(?<=\w)†(?=\w)|“[^”\n]{0,200}†"
)


@dataclass
class DecodedText:
    text: str
    notes: list


def decode_text_file(data):
    """Bytes → clean text with '\\n' line endings, plus notes on what was repaired."""
    notes = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, exc.start) + 1
            raise UnreadableFileError(
                line, "the file is neither UTF-8 nor Windows-1252 text (a binary file?)"
            ) from None
        notes.append("the file was not UTF-8; read it as Windows-1252")
    if "\x00" in text:
        raise UnreadableFileError(
            text.count("\n", 0, text.index("\x00")) + 1, "the file contains NUL bytes (a binary file?)"
        )
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    fixed = ftfy.fix_text(_LOST_CLOSING_QUOTE.sub("â€\x9d", text), _FTFY_CONFIG)
    if fixed != text:
        notes.append("repaired text that had been saved through the wrong encoding")
    damage = _STILL_DAMAGED.search(fixed)
    if damage:
        line_start = fixed.rfind("\n", 0, damage.start()) + 1
        excerpt = fixed[max(line_start, damage.start() - 20) : damage.end() + 20].split("\n")[0]
        raise UnreadableFileError(
            fixed.count("\n", 0, damage.start()) + 1,
            f"this line still looks damaged by a wrong encoding after repair (“{excerpt}”); "
            "correct it in the file and import it again",
        )
    return DecodedText(fixed, notes)
