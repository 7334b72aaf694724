"""The Company tab and the tabs made only of fields (Sales … Expenses), spec C7."""

from __future__ import annotations

from flask import flash, url_for
from flask_htmx import make_response as htmx_response

from cwqbo.extensions import db, htmx
from cwqbo.models import QBOConfiguration
from cwqbo.options.fields import TabSpec
from cwqbo.options.specs import COMPANY, SIMPLE_TABS
from cwqbo.web.settings.options.common import render_tab, save_tab
from cwqbo.web.settings.quickbooks import name_taken
from cwqbo.web.settings.tabs import tab, tab_save


def register(spec) -> None:
    """Register the render and save functions of a tab made only of fields."""

    def render(config: QBOConfiguration, **kw) -> str:
        return render_tab(config, spec, **kw)

    def save(config: QBOConfiguration):
        return save_tab(config, spec, render)

    tab(spec.slug, spec.label, spec.order)(render)
    tab_save(spec.slug)(save)


for _spec in SIMPLE_TABS:
    register(_spec)


# --- Company: the name and default flag live on the configuration itself ------------------


class CompanySpec(TabSpec):
    """The Company tab: name and default flag on the configuration, location in options."""

    def values_from(self, options, config) -> dict:
        return {
            "name": config.name,
            "is_default": config.is_default,
            "default_location": options.ref("default_location"),
        }

    def apply(self, options, config, values) -> None:
        config.name = values["name"]
        options.set_ref("default_location", values["default_location"])
        if values["is_default"] and not config.is_default:
            # Exactly one default: clear the others in the same transaction.
            db.session.execute(
                db.update(QBOConfiguration)
                .where(QBOConfiguration.id != config.id)
                .values(is_default=False)
            )
        config.is_default = values["is_default"]


COMPANY_TAB = CompanySpec(COMPANY.slug, COMPANY.label, COMPANY.order, COMPANY.fields)


def company_checks(config: QBOConfiguration, values: dict) -> dict[str, str]:
    errors = {}
    if values["name"] and name_taken(values["name"], config):
        errors["name"] = f"A configuration named {values['name']} already exists."
    if config.is_default and not values["is_default"]:
        errors["is_default"] = (
            "One configuration is always the default: make another configuration the "
            "default instead."
        )
    return errors


@tab("company", "Company", order=10)
def company_tab(config: QBOConfiguration, **kw) -> str:
    return render_tab(config, COMPANY_TAB, **kw)


@tab_save("company")
def save_company(config: QBOConfiguration):
    result = save_tab(config, COMPANY_TAB, company_tab, company_checks)
    if isinstance(result, str) and htmx:
        # The page title and badges show the name and default flag: reload the whole page.
        flash("Company options saved.", "success")
        return htmx_response(
            "", redirect=url_for("settings.qbo_tab", config_id=config.id, tab="company")
        )
    return result
