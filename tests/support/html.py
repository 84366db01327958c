"""Reading rendered pages in tests: error texts, and whether a text reads as Vietnamese."""

import re

import lxml.html

# Letters only Vietnamese uses among the portal's two languages (with tone marks).
_VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]", re.IGNORECASE)


def is_vietnamese(text: str) -> bool:
    return bool(_VIETNAMESE.search(text))


def texts(response_or_html, xpath: str) -> list[str]:
    """The whitespace-normalised text of each element matching `xpath`."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    if not html.strip():
        return []
    document = lxml.html.fromstring(html)
    return [" ".join(node.text_content().split()) for node in document.xpath(xpath)]


def by_class(name: str) -> str:
    """An xpath for elements carrying the CSS class `name`."""
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
