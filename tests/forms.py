"""Read an HTML form as a browser would submit it, so tests can change one field and post the rest."""

from bs4 import BeautifulSoup


def form_values(html, form_selector="#content-main form"):
    """The fields of the page's form (by default the admin's main form) with their current values, as POST data."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one(form_selector)
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            value = field.text.removeprefix("\n")
        elif field.name == "select":
            chosen = field.select("option[selected]")
            if field.has_attr("multiple"):
                data[name] = [option.get("value", option.text) for option in chosen]
                continue
            option = chosen[0] if chosen else field.select_one("option")
            value = option.get("value", option.text) if option else ""
        else:
            kind = field.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                continue
            if kind in {"checkbox", "radio"}:
                if not field.has_attr("checked"):
                    continue
                if kind == "checkbox" and name in data:
                    existing = data[name] if isinstance(data[name], list) else [data[name]]
                    data[name] = [*existing, field.get("value", "on")]
                    continue
                value = field.get("value", "on")
            else:
                value = field.get("value", "")
        data[name] = value
    return data
