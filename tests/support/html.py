"""Reading HTML pages as a browser shows them: a tree of nodes with the text decoded, and
shortcuts for what the review UI's tests look at (the main area, flash messages, forms,
links, redirects)."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def text(self):
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag=None, cls=None, **attrs):
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (
                (tag is None or child.tag == tag)
                and (cls is None or cls in child.classes)
                and all(
                    child.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()
                )
            ):
                found.append(child)
            found.extend(child.all(tag, cls, **attrs))
        return found

    def one(self, tag=None, cls=None, **attrs):
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, len(found))
        return found[0]


class Tree(HTMLParser):
    """The page as a tree of Nodes (entities decoded, as a browser shows them)."""

    def __init__(self, html):
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def page(response):
    return Tree(response.get_data(as_text=True)).root


def main(response):
    return page(response).one("main")


def flashes(response):
    return [node.text for node in page(response).all(cls="flash", role="status")]


def labelled(tree, label):
    """The form control a <label> with exactly this text is for."""
    (node,) = [node for node in tree.all("label") if node.text == label]
    control_id = node.attrs.get("for")
    if control_id:
        return tree.one(id=control_id)
    return next(child for child in node.all() if child.tag in ("input", "select", "textarea"))


def buttons(tree):
    return [node.text for node in tree.all("button")]


def links(tree):
    return {node.text: node.attrs["href"] for node in tree.all("a")}


def redirected_to(response):
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]
