"""Advice a user can trust: the ladder of a model judged on the daemon's machine.

- ``build_ladder`` (``ladder.py``): variants, status and each size's shape; the bundled
  snapshot answers when no registry can be reached.
- ``make_plan`` (``plan.py``): every row's fit, quality (``quality.py``: published figures, or
  Compare's own from ``measured.py``) and expected speed (``speed.py``), and the
  recommendation (``recommend.py``: a pick per size, the headline pick, what to change —
  ``alternatives.py``).
"""

from quantdesk.core.advice.alternatives import Alternative
from quantdesk.core.advice.ladder import Ladder, build_ladder, size_groups
from quantdesk.core.advice.measured import Measured, read_measured
from quantdesk.core.advice.plan import Plan, flash_state, make_plan
from quantdesk.core.advice.quality import Quality, is_good, quality_rank, reference_quality
from quantdesk.core.advice.recommend import Recommendation, SizePick, recommend
from quantdesk.core.advice.rows import Evaluator, LadderRow
from quantdesk.core.advice.settings import KV_TYPES, PlanSettings
from quantdesk.core.advice.speed import Speed, estimate_speed

__all__ = [
    "KV_TYPES",
    "Alternative",
    "Evaluator",
    "Ladder",
    "LadderRow",
    "Measured",
    "Plan",
    "PlanSettings",
    "Quality",
    "Recommendation",
    "SizePick",
    "Speed",
    "build_ladder",
    "estimate_speed",
    "flash_state",
    "is_good",
    "make_plan",
    "quality_rank",
    "read_measured",
    "recommend",
    "reference_quality",
    "size_groups",
]
