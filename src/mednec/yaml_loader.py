"""The YAML loader every mednec reader uses: PyYAML's safe loader, in C when it is available
(about ten times faster, which matters for start-up)."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["SafeLoader"]

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
