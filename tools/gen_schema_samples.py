"""Provisioning-system samples for tools/gen_schema.py: render, parse, and read their comments.

The samples (provisioning/samples/ in the reference data) are templates of provisioning systems
(FusionPBX and FreePBX Smarty, wazo Jinja). They are rendered the simple way the Rust test
crates/config/tests/reference_files.rs does (`render_template`): keep the first branch of each
conditional, loop bodies once, drop comments and assignments, variables become `1` inside names
(an XML tag, or a text key before `=`) and nothing inside values. One addition, see
`MISSING_BRACES`. The rendered file is then read the way crates/config/src/format reads it.
"""
import re
from xml.sax.saxutils import unescape

# (file, model family the sample is for, or None for generic ones). Order = priority.
SAMPLES = (
    ("08_fusionpbx_grp2614_cfgmac_v2_with_pvalue_comments.xml", "GRP261x"),
    ("09_fusionpbx_ghp6xx_cfgmac_v2.xml", "GHP6xx"),
    ("06_fusionpbx_gxp16xx_cfgmac_v1_with_mac.xml", "GXP16xx"),
    ("07_fusionpbx_wp810_cfgmac_v1_with_mac.xml", "WP810"),
    ("11_wazo_base_v1.tpl.xml", None),
    ("12_wazo_base_v2.tpl.xml", None),
    ("13_wazo_GXP2000_pvalue_text.tpl", None),
    ("15_freepbx-epm_provisioner_gxphd_cfg$mac.xml", None),
)
AUTH_KEY = "p1"   # P1: the config file's authentication password, not a setting

# ---- rendering -----------------------------------------------------------------------------
SMARTY = ("{if ", "{else", "{/if}", "{elseif ", "{for", "{/for", "{literal}", "{/literal}")
IGNORED_TAGS = {"for", "foreach", "/for", "/foreach", "endfor", "set", "literal", "/literal"}
# Two additions for FusionPBX's GHP6xx template (render_template docstring).
MISSING_BRACES = re.compile(r"(>)\s*\$[A-Za-z_]\w*\}?\s*(</)")


def find_tag(text, pos):
    """Offset of the next template tag at or after pos: `{{`, `{%`, `{#`, `{$` or a Smarty
    keyword after `{`; -1 when there is none."""
    while (at := text.find("{", pos)) >= 0:
        if text.startswith(("{{", "{%", "{#", "{$") + SMARTY, at):
            return at
        pos = at + 1
    return -1


class _Out:
    """The rendered text, tracking whether its end is inside a name."""

    def __init__(self, xml):
        self.parts, self.xml, self.lt, self.gt, self.size, self.eq = [], xml, -1, -1, 0, False

    def add(self, text):
        if (i := text.rfind("<")) >= 0:
            self.lt = self.size + i
        if (i := text.rfind(">")) >= 0:
            self.gt = self.size + i
        nl = text.rfind("\n")
        self.eq = "=" in text[nl + 1:] or (nl < 0 and self.eq)
        self.parts.append(text)
        self.size += len(text)

    def after_letter(self):
        return bool(self.parts) and self.parts[-1][-1:].isalpha()

    def in_name(self):
        return self.lt > self.gt if self.xml else not self.eq


def render_template(source, xml):
    """Port of render_template() of crates/config/tests/reference_files.rs, plus two rules for
    template bugs and idioms of FusionPBX's GHP6xx template: a value that is only a variable
    written without braces (`>$tp<`, `>$wam}<`) is a placeholder and renders as nothing, and a
    variable right after a letter inside a value builds a word (`Account{$line}`) and renders
    as `1` like inside a name."""
    out, conds, rest = _Out(xml), [], source
    while (start := find_tag(rest, 0)) >= 0:
        if not any(conds):
            out.add(rest[:start])
        tag = rest[start:]
        close, inner = next(((c, 2) for o, c in (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))
                             if tag.startswith(o)), ("}", 1))
        if (end := tag.find(close, inner)) < 0:
            break
        body = tag[inner:end].strip().lstrip("-").rstrip("-").strip()
        rest = tag[end + len(close):]
        word = (body.split() or [""])[0]
        if word == "if":
            conds.append(False)
        elif word in ("else", "elseif", "elif"):
            if conds:
                conds[-1] = True
        elif word in ("/if", "endif"):
            if conds:
                conds.pop()
        elif word in IGNORED_TAGS or tag.startswith("{#") or (
                body.startswith("$") and "=" in body and "==" not in body):
            pass
        elif not any(conds) and (out.in_name() or out.after_letter()):
            out.add("1")
    if not any(conds):
        out.add(rest)
    text = "".join(out.parts)
    return MISSING_BRACES.sub(r"\1\2", text) if xml else text


# ---- reading the rendered files ------------------------------------------------------------
XML_TOKEN = re.compile(r"<!--(.*?)-->|<!\[CDATA\[(.*?)\]\]>|<[?!][^>]*>|"
                       r"<(/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
                       re.S)
NAME_ATTR = re.compile(r"\bname\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
P_NAME = re.compile(r"^[Pp]?(\d{1,6})$")


def pvalue_name(key):
    """P number of `P47` / `p47` / `47` (parse_pvalue_name of the Rust side), else None."""
    return int(m.group(1)) if (m := P_NAME.match(key)) else None


def parse_xml(text):
    """Entries of a v1/v2 XML file like crates/config/src/format/xml.rs reads them:
    [(key, value, comments)], comments = the comment texts since the previous entry."""
    entries, stack, comments, pos = [], [], [], 0
    for m in XML_TOKEN.finditer(text):
        chunk = text[pos:m.start()]
        pos = m.end()
        if stack and stack[-1][0] in ("mac", "setting", "item"):
            stack[-1][2].append(unescape(chunk, {"&quot;": '"', "&apos;": "'"}))
        if m.group(1) is not None:
            comments.append(m.group(1))
        elif m.group(2) is not None:
            if stack and stack[-1][0] in ("mac", "setting", "item"):
                stack[-1][2].append(m.group(2))
        elif m.group(4) is None:
            continue
        elif m.group(3):                                      # an end tag
            frame = stack.pop() if stack else None
            if frame and frame[0] == "setting" or frame and frame[0] == "item" and not frame[3]:
                entries.append((frame[1], "".join(frame[2]).strip(), comments))
                comments = []
        else:
            name, attrs = m.group(4), m.group(5)
            a = NAME_ATTR.search(attrs)
            attr = unescape(a.group(1) if a.group(1) is not None else a.group(2),
                            {"&quot;": '"', "&apos;": "'"}).strip() if a else ""
            top = stack[-1][0] if stack else None
            if top is None:
                frame = ["root"] if name == "gs_provision" else ["config"]
            elif top == "root":
                frame = ["mac", "", []] if name == "mac" else ["config"] if name == "config" \
                    else ["ignored"]
            elif top == "config" and name.lower() == "item":
                frame = ["item", attr, [], False] if attr else ["ignored"]
            elif top == "config" and pvalue_name(name) is not None and name[0] in "Pp":
                frame = ["setting", name, []]
            elif top == "item" and name.lower() == "part":
                stack[-1][3] = True
                frame = ["setting", f"{stack[-1][1]}.{attr}", []] if attr else ["ignored"]
            else:
                frame = ["ignored"]
            stack.append(frame)
            if m.group(6):                                   # <x/>: opened and closed
                stack.pop()
                if frame[0] == "setting" or frame[0] == "item" and not frame[3]:
                    entries.append((frame[1], "", comments))
                    comments = []
    return entries


def parse_text(text):
    """Entries of P-value text like crates/config/src/format/text.rs reads them."""
    entries, comments = [], []
    for raw in text.split("\n"):
        line = raw.removesuffix("\r").strip()
        if line.startswith("#"):
            comments.append(line)
        elif (key_value := line.split("=", 1)) and len(key_value) == 2 and \
                re.fullmatch(r"[A-Za-z0-9._-]+", key_value[0].strip()):
            entries.append((key_value[0].strip(), key_value[1].strip(), comments))
            comments = []
    return entries


def read_sample(path):
    """Rendered entries of a sample file: [(key, value, comment lines)]."""
    source = path.read_bytes().decode("utf-8-sig")
    xml = path.name.endswith(".xml")
    rendered = render_template(source, xml)
    return parse_xml(rendered) if xml else parse_text(rendered)


def load_samples(ref):
    """{file: (family, entries)} for every sample."""
    base = ref / "provisioning" / "samples"
    return {f: (fam, read_sample(base / f)) for f, fam in SAMPLES}


# ---- what the comments before an entry say -------------------------------------------------
PVALUE_NOTE = re.compile(r"^Pvalue\s+P(\d+)$", re.I)
ACCOUNT_HEADING = re.compile(r"^(?:account\.|Account )\d+\s*/?\s*([A-Z][A-Za-z /]*)$")
SEPARATOR = re.compile(r"^[#=\-\s]*$")
MODEL_NOTE = re.compile(r"\s+(?:-\s+)?(?:(?:GRP|GXP|WP|GHP)\d\w*/?)(?:\d\w*/?)*(?:\s+only)?\s*$")


def clean(line):
    return line.strip().strip("#").strip()


def read_comments(comments, pages=()):
    """(P-values of 'Pvalue Pnnn' notes, section heading or '', comment lines of the entry's
    own block). A heading is an 'Account N ...' line, a '## Page/Section' line or one boxed in
    separator lines, or a bare 'Page/Section' line whose page is one of `pages` (lower case). A
    commented-out element ends a block (its notes are not the next entry's)."""
    pvalues, heading, block = [], "", []
    for i, text in enumerate(comments):
        if re.search(r"<item\b|<P\d+>", text):
            pvalues, block = [], []
            continue
        boxed = 0 < i < len(comments) - 1 and all(SEPARATOR.match(comments[j]) and
                                                   "#" in comments[j] for j in (i - 1, i + 1))
        for raw in text.splitlines():
            line = MODEL_NOTE.sub("", clean(raw))
            if SEPARATOR.match(raw) or not line:
                continue
            if (m := PVALUE_NOTE.match(line)):
                pvalues.append(int(m.group(1)))
            elif (m := ACCOUNT_HEADING.match(line)):
                heading, block = "Account/" + m.group(1).strip(" /"), []
            elif (raw.strip().startswith("##") or boxed) and "/" in line or (
                    (m := re.fullmatch(r"([A-Z][\w ]*?)\s*/\s*[A-Z][\w /-]*", line))
                    and m.group(1).lower() in pages):
                heading, block = line, []
            else:
                block.append(line)
    return pvalues, heading, block
