"""The admin's role choices (Settings page): which entity plays a role, or none on purpose.

One row per role the admin decided; a role without a row is left to HA's energy preferences
and the heuristics (analytics.role_resolver). ``entity_id`` NULL means "no entity plays it".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, delete
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.metadata.models import Base


class RoleChoiceRow(Base):
    """The admin's choice for one role."""

    __tablename__ = "role_choices"

    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str | None] = mapped_column(String(255))
    chosen_at: Mapped[datetime]


class RoleChoiceTable:
    """Reads and writes the admin's role choices."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def choose(self, role: str, entity_id: str | None) -> None:
        """Store that ``entity_id`` (None: no entity) plays ``role``, replacing a choice."""
        stmt = insert(RoleChoiceRow).values(
            role=role, entity_id=entity_id, chosen_at=datetime.now(UTC)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["role"],
            set_={"entity_id": stmt.excluded.entity_id, "chosen_at": stmt.excluded.chosen_at},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def forget(self, role: str) -> None:
        """Drop the choice for ``role``, so prefs and heuristics decide again."""
        with self._sessions.begin() as session:
            session.execute(delete(RoleChoiceRow).where(RoleChoiceRow.role == role))

    def all(self) -> dict[str, str | None]:
        """Return every stored choice: role -> entity id (None: none on purpose)."""
        with self._sessions() as session:
            rows = session.query(RoleChoiceRow).all()
            return {row.role: row.entity_id for row in rows}
