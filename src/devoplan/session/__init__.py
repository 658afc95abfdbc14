"""The session layer: a loaded geography, a plan being edited, the design scorer and the funding engine.

``SessionModel.build(geography)`` once (read-only, shareable between threads), then
``model.session(plan)`` per scenario; ``session.preview(moves)``, ``session.move(district, area)``,
``undo``/``redo``. Results are typed (:class:`Preview`) with ``to_dict()`` for JSON. See docs/session.md.
"""

from devoplan.session.core import Session, SessionModel, open_session
from devoplan.session.money import AreaMoney, FirstYearMoney
from devoplan.session.results import Alignment, AreaChange, Money, Move, Preview, Quantity, Splits

__all__ = ["Alignment", "AreaChange", "AreaMoney", "FirstYearMoney", "Money", "Move", "Preview", "Quantity", "Session",
           "SessionModel", "Splits", "open_session"]
