"""smtpcodes: explain SMTP reply codes and enhanced status codes, and diagnose what a mail server said.

The codes come from RFC 5321 (reply codes, section 4.2), RFC 3463 (enhanced status codes) and the IANA
"SMTP Enhanced Status Codes" registry (RFC 5248), with the extensions that add codes (RFC 2034, 3207,
4954, 1870, 1985, 2645, 6531, 7504, 7505, 7372, 8689).

    >>> import smtpcodes
    >>> smtpcodes.lookup_enhanced("5.7.26").title
    'Multiple authentication checks failed'
    >>> from smtpcodes.diagnose import diagnose
    >>> [(v.category, v.bounce) for v in diagnose("550 5.1.1 <a@example.com>: User unknown")]
    [('user-unknown', 'hard')]

Names are loaded on first use, so importing the package costs almost nothing. The functions that
share their module's name (explain, diagnose, validate, search, scan) are imported from that module,
`from smtpcodes.diagnose import diagnose`: a package attribute cannot be both the function and the
submodule, and the import system rebinds it to the submodule as soon as anything imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpcodes.codes import CodeClass, EnhancedCode, find_codes, parse_enhanced
    from smtpcodes.diagnose import Verdict, analyse, diagnose_reply
    from smtpcodes.explain import Explanation, explain_code
    from smtpcodes.parse import Reply, parse_text
    from smtpcodes.registry import (
        EnhancedEntry,
        ReplyEntry,
        enhanced_entries,
        lookup_enhanced,
        lookup_reply,
        reply_entries,
    )
    from smtpcodes.scan import ScanProblem, ScanRecord, Summary
    from smtpcodes.search import entries
    from smtpcodes.validate import Finding, Validation, validate_code, validate_reply

_LAZY = {
    "CodeClass": "smtpcodes.codes",
    "EnhancedCode": "smtpcodes.codes",
    "find_codes": "smtpcodes.codes",
    "parse_enhanced": "smtpcodes.codes",
    "Verdict": "smtpcodes.diagnose",
    "analyse": "smtpcodes.diagnose",
    "diagnose_reply": "smtpcodes.diagnose",
    "Reply": "smtpcodes.parse",
    "parse_text": "smtpcodes.parse",
    "Explanation": "smtpcodes.explain",
    "explain_code": "smtpcodes.explain",
    "EnhancedEntry": "smtpcodes.registry",
    "ReplyEntry": "smtpcodes.registry",
    "enhanced_entries": "smtpcodes.registry",
    "lookup_enhanced": "smtpcodes.registry",
    "lookup_reply": "smtpcodes.registry",
    "reply_entries": "smtpcodes.registry",
    "ScanProblem": "smtpcodes.scan",
    "ScanRecord": "smtpcodes.scan",
    "Summary": "smtpcodes.scan",
    "entries": "smtpcodes.search",
    "Finding": "smtpcodes.validate",
    "Validation": "smtpcodes.validate",
    "validate_code": "smtpcodes.validate",
    "validate_reply": "smtpcodes.validate",
}

__all__ = [
    "CodeClass",
    "EnhancedCode",
    "EnhancedEntry",
    "Explanation",
    "Finding",
    "Reply",
    "ReplyEntry",
    "ScanProblem",
    "ScanRecord",
    "Summary",
    "Validation",
    "Verdict",
    "analyse",
    "diagnose_reply",
    "enhanced_entries",
    "entries",
    "explain_code",
    "find_codes",
    "lookup_enhanced",
    "lookup_reply",
    "parse_enhanced",
    "parse_text",
    "reply_entries",
    "validate_code",
    "validate_reply",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smtpcodes' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
