"""Options of a QBO configuration (spec C7): one row per configuration, plus tax mappings.

A reference to a QBO or Manage object is stored as its id and the name it had when the
option was saved, so a tab can say which object vanished after the fact.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from cwqbo.extensions import db
from cwqbo.models.qbo import QBOConfiguration
from cwqbo.models.user import utcnow


def config_fk() -> sa.ForeignKey:
    return sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE")


def ref_columns() -> tuple[Mapped[str | None], Mapped[str | None]]:
    return mapped_column(sa.String(64)), mapped_column(sa.String(255))


class ConfigurationOptions(db.Model):
    """Every option tab's values except the tax mappings; defaults are a new install's."""

    __tablename__ = "configuration_options"

    config_id: Mapped[int] = mapped_column(config_fk(), primary_key=True)
    # Company
    default_location_id, default_location_name = ref_columns()
    # Sales
    sales_display_uom: Mapped[bool] = mapped_column(default=False)
    invoice_detail: Mapped[str] = mapped_column(sa.String(16), default="summary")
    service_item_source: Mapped[str] = mapped_column(sa.String(16), default="gl_account")
    allow_epayments: Mapped[bool] = mapped_column(default=False)
    allow_ipn: Mapped[bool] = mapped_column(default=False)
    allow_online: Mapped[bool] = mapped_column(default=False)
    allow_credit_card: Mapped[bool] = mapped_column(default=False)
    allow_ach: Mapped[bool] = mapped_column(default=False)
    # Sales: a QBO total that differs from Manage's (issue 13 §3, J9)
    total_difference: Mapped[str] = mapped_column(sa.String(8), default="flag")
    total_tolerance: Mapped[str] = mapped_column(sa.String(16), default="0.05")
    adjustment_item_id, adjustment_item_name = ref_columns()
    # Purchases
    purchases_display_uom: Mapped[bool] = mapped_column(default=False)
    bill_date_source: Mapped[str] = mapped_column(sa.String(16), default="document")
    # Contacts
    append_account_name: Mapped[bool] = mapped_column(default=False)
    collision_suffix: Mapped[str] = mapped_column(sa.String(20), default="")
    # Taxes (the mappings are TaxMapping rows)
    exempt_tax_code_id, exempt_tax_code_name = ref_columns()
    tax_exempt_items: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Currency
    multi_currency: Mapped[bool] = mapped_column(default=False)
    # Categories
    use_classes: Mapped[bool] = mapped_column(default=False)
    create_classes: Mapped[bool] = mapped_column(default=False)
    use_locations: Mapped[bool] = mapped_column(default=False)
    create_locations: Mapped[bool] = mapped_column(default=False)
    # Products
    income_account_id, income_account_name = ref_columns()
    cogs_account_id, cogs_account_name = ref_columns()
    asset_account_id, asset_account_name = ref_columns()
    track_quantity: Mapped[bool] = mapped_column(default=False)
    products_as_services: Mapped[bool] = mapped_column(default=False)
    # Expenses
    reimbursable_as_bills: Mapped[bool] = mapped_column(default=True)
    non_reimbursable_as_purchases: Mapped[bool] = mapped_column(default=True)
    cash_account_id, cash_account_name = ref_columns()
    check_account_id, check_account_name = ref_columns()
    credit_card_account_id, credit_card_account_name = ref_columns()

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    config: Mapped[QBOConfiguration] = relationship(
        backref=backref("options", uselist=False, cascade="all, delete-orphan")
    )

    @classmethod
    def for_config(cls, config: QBOConfiguration) -> ConfigurationOptions:
        """Return the configuration's options, creating the row with defaults if needed."""
        options = db.session.get(cls, config.id)
        if options is None:
            options = cls(config_id=config.id, tax_exempt_items=[])
            # Column defaults apply on INSERT only; give the fresh object the same values.
            for column in cls.__table__.columns:
                default = column.default
                if (
                    default is not None
                    and default.is_scalar
                    and getattr(options, column.key) is None
                ):
                    setattr(options, column.key, default.arg)
            db.session.add(options)
        return options

    def ref(self, name: str) -> tuple[str, str] | None:
        """Return the saved (id, name) of reference option ``name``, or None."""
        ref_id = getattr(self, f"{name}_id")
        return (ref_id, getattr(self, f"{name}_name") or ref_id) if ref_id else None

    def set_ref(self, name: str, value: tuple[str, str] | None) -> None:
        ref_id, ref_name = value if value else (None, None)
        setattr(self, f"{name}_id", ref_id)
        setattr(self, f"{name}_name", ref_name)


class TaxMapping(db.Model):
    """A Manage tax code mapped to a QBO tax code; each Manage code at most once."""

    __tablename__ = "tax_mappings"
    __table_args__ = (sa.UniqueConstraint("config_id", "manage_tax_code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    config_id: Mapped[int] = mapped_column(config_fk(), index=True)
    manage_tax_code_id: Mapped[str] = mapped_column(sa.String(64))
    manage_tax_code_name: Mapped[str] = mapped_column(sa.String(255))
    qbo_tax_code_id: Mapped[str] = mapped_column(sa.String(64))
    qbo_tax_code_name: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column(default=0)

    config: Mapped[QBOConfiguration] = relationship(
        backref=backref(
            "tax_mappings", cascade="all, delete-orphan", order_by="TaxMapping.position"
        )
    )

    @classmethod
    def for_config(cls, config: QBOConfiguration) -> list[TaxMapping]:
        return db.session.scalars(
            db.select(cls).where(cls.config_id == config.id).order_by(cls.position, cls.id)
        ).all()
