"""
Reading the organisation's text files, whatever state they are in.

Files arrive from word processors and old content systems: a byte-order
mark, Windows line endings, text that was once saved through the wrong
encoding ("bodyâ€™s" for "body’s"). This module turns such bytes into clean
text once, so that every importer parses the same thing.
"""

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
    fixed = ftfy.fix_text(text, _FTFY_CONFIG)
    if fixed != text:
        notes.append("repaired text that had been saved through the wrong encoding")
    return DecodedText(fixed, notes)
