"""smtpcodes: explain SMTP reply codes and enhanced status codes, and diagnose what a mail server said.

The codes come from RFC 5321 (reply codes, section 4.2), RFC 3463 (enhanced status codes) and the IANA
"SMTP Enhanced Status Codes" registry (RFC 5248), with the extensions that add codes (RFC 2034, 3207,
4954, 1870, 1985, 2645, 6531, 7504, 7505, 7372, 8689).

    >>> import smtpcodes
    >>> smtpcodes.lookup_enhanced("5.7.26").title
    'Multiple authentication checks failed'
    >>> [e.code_class.value for e in smtpcodes.explain("550 5.1.1")]
    ['permanent']

Names are loaded on first use, so importing the package costs almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpcodes.codes import CodeClass, EnhancedCode, find_codes, parse_enhanced
    from smtpcodes.diagnose import Verdict, analyse, diagnose, diagnose_reply
    from smtpcodes.explain import Explanation, explain, explain_code
    from smtpcodes.parse import Reply, parse_text
    from smtpcodes.registry import (
        EnhancedEntry,
        ReplyEntry,
        enhanced_entries,
        lookup_enhanced,
        lookup_reply,
        reply_entries,
    )
    from smtpcodes.scan import ScanProblem, ScanRecord, Summary, scan
    from smtpcodes.search import entries, search
    from smtpcodes.validate import Finding, Validation, validate, validate_code, validate_reply

_LAZY = {
    "CodeClass": "smtpcodes.codes",
    "EnhancedCode": "smtpcodes.codes",
    "find_codes": "smtpcodes.codes",
    "parse_enhanced": "smtpcodes.codes",
    "Verdict": "smtpcodes.diagnose",
    "analyse": "smtpcodes.diagnose",
    "diagnose": "smtpcodes.diagnose",
    "diagnose_reply": "smtpcodes.diagnose",
    "Reply": "smtpcodes.parse",
    "parse_text": "smtpcodes.parse",
    "Explanation": "smtpcodes.explain",
    "explain": "smtpcodes.explain",
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
    "scan": "smtpcodes.scan",
    "entries": "smtpcodes.search",
    "search": "smtpcodes.search",
    "Finding": "smtpcodes.validate",
    "Validation": "smtpcodes.validate",
    "validate": "smtpcodes.validate",
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
    "diagnose",
    "diagnose_reply",
    "enhanced_entries",
    "entries",
    "explain",
    "explain_code",
    "find_codes",
    "lookup_enhanced",
    "lookup_reply",
    "parse_enhanced",
    "parse_text",
    "reply_entries",
    "scan",
    "search",
    "validate",
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
