"""
The front matter of the organisation's files: a `---` block of YAML `key: value` lines at the top,
read with the same limits and messages by every importer. Each importer describes its keys
(`FrontMatterSpec`); what it cannot understand is an UnreadableFileError (or the importer's own
subclass) with the line it is on.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import yaml

from importing.decoding import UnreadableFileError

# Checked before anything reaches the database: far above any real file, low enough that a hostile one costs little.
FRONT_MATTER_MAX_CHARS = 20_000
YAML_ALIASES_MAX = 20  # real front matter uses none; each alias can repeat a whole structure
MAX_TAGS = 20


@dataclass(frozen=True)
class FrontMatterSpec:
    """An importer's keys: {key without case, dashes or underscores: field}, and what each holds."""

    keys: dict
    text_max: dict = field(default_factory=dict)  # field -> longest text it holds
    date_fields: frozenset = frozenset()
    tag_max: int = 60  # the longest tag name
    thing: str = "page"  # what a file describes, in messages ("a treatment has at most 20 tags")
    error: type = UnreadableFileError


def _normalise_key(key):
    return re.sub(r"[\s_\-]", "", str(key)).lower()


def _split_front_matter(lines, FileError):
    """Return (front matter lines, index of first body line, line number of the front matter's first line)."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return None, 0, 0
    for end in range(start + 1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            return lines[start + 1 : end], end + 1, start + 2
    raise FileError(start + 1, "the front matter that starts here is never closed with a '---' line")


def _key_lines(front_lines, first_line):
    found = {}
    for offset, line in enumerate(front_lines):
        match = re.match(r"^([A-Za-z_][\w\-]*)\s*:", line)
        if match:
            found.setdefault(_normalise_key(match.group(1)), first_line + offset)
    return found


def _as_text(value, key, line, FileError):
    if value is None:
        return ""
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        return _without_control_characters(str(value).strip(), key, line, FileError)
    raise FileError(line, f"'{key}' should be a piece of text, not {type(value).__name__}")


def _without_control_characters(text, key, line, FileError):
    """YAML escapes ("\\e", "\\a") can put control characters in a value; none belongs on a page."""
    if any(unicodedata.category(char) == "Cc" and char not in "\t\n" for char in text):
        raise FileError(line, f"'{key}' contains control characters (such as ESC), which no page can show")
    return text


def _as_date(value, key, line, FileError):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FileError(line, f"'{key}' should be a date written as YYYY-MM-DD, not {value!r}") from None


def _as_tags(value, line, spec):
    FileError, TAG_MAX = spec.error, spec.tag_max
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, (dict, list)) or item is None:
                raise FileError(line, "'tags' should be a list of words or a comma-separated string")
            items.extend(str(item).split(","))
    else:
        raise FileError(line, "'tags' should be a list of words or a comma-separated string")
    tags, seen = [], set()
    for item in items:
        name = _without_control_characters(" ".join(item.split()), "tags", line, FileError)
        if len(name) > TAG_MAX:
            raise FileError(line, f"a tag is {len(name):,} characters long; a tag holds at most {TAG_MAX}")
        if name.islower():
            name = name[0].upper() + name[1:]  # "breast cancer" sits beside "Early-stage"
        if name and name.lower() not in seen:
            seen.add(name.lower())
            tags.append(name)
        if len(tags) > MAX_TAGS:
            raise FileError(line, f"a {spec.thing} has at most {MAX_TAGS} tags")
    return tags


def _count_aliases(text, first_line, FileError):
    """Refuse front matter that leans on YAML aliases (`*name`), which can repeat a structure without end."""
    aliases = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken):
                aliases += 1
                if aliases > YAML_ALIASES_MAX:
                    raise FileError(
                        first_line + token.start_mark.line,
                        f"the front matter repeats YAML aliases (*name) more than {YAML_ALIASES_MAX} times",
                    )
    except yaml.YAMLError:
        pass  # reported with its line by the full read that follows


def read_front_matter(lines, spec):
    """
    (values by field, the line of each, the index of the body's first line, warnings) of a file's lines.
    A file without front matter gives no values and a warning.
    """
    FileError = spec.error
    front, body_start, first_line = _split_front_matter(lines, FileError)
    if front is None:
        return {}, {}, 0, ["no front matter ('---' block) at the top of the file"]
    front_text = "\n".join(front)
    if len(front_text) > FRONT_MATTER_MAX_CHARS:
        raise FileError(
            first_line, f"the front matter is {len(front_text):,} characters long; at most {FRONT_MATTER_MAX_CHARS:,}"
        )
    _count_aliases(front_text, first_line, FileError)
    try:
        data = yaml.safe_load(front_text) if front_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise FileError(line, f"the front matter cannot be read: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FileError(first_line, "the front matter should be 'key: value' lines")

    key_lines = _key_lines(front, first_line)
    values, lines_of, warnings = {}, {}, []
    for key, value in data.items():
        normalised = _normalise_key(key)
        line = key_lines.get(normalised, first_line)
        target = spec.keys.get(normalised)
        if target is None:
            warnings.append(f"line {line}: unknown key '{key}' ignored")
            continue
        if target == "tags":
            values[target] = _as_tags(value, line, spec)
        elif target in spec.date_fields:
            values[target] = _as_date(value, key, line, FileError)
        else:
            values[target] = _as_text(value, key, line, FileError)
            limit = spec.text_max.get(target)
            if limit is not None and len(values[target]) > limit:
                raise FileError(line, f"'{key}' is {len(values[target]):,} characters long; it holds at most {limit}")
        lines_of[target] = line
    return values, lines_of, body_start, warnings
