"""The one set of form templates (templates/includes/): each field is labelled, linked to its help
and errors, and a group of inputs is a fieldset named by its legend."""

import pytest
from django import forms
from django.template.loader import render_to_string
from lxml import html

from catalog.eform import build_form_class

pytestmark = pytest.mark.django_db


class ChoiceForm(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "Bản chính"), ("b", "Bản sao")], widget=forms.RadioSelect)
    note = forms.CharField(help_text="Ghi chú <không bắt buộc>")


def _field(form, name):
    return html.fromstring(render_to_string("includes/_field.html", {"field": form[name]}))


def test_a_text_field_is_labelled_and_points_at_its_help_and_error():
    form = ChoiceForm(data={})
    assert not form.is_valid()
    row = _field(form, "note")
    [widget] = row.xpath(".//input[@name='note']")
    assert row.xpath(f".//label[@for='{widget.get('id')}']")
    assert widget.get("aria-invalid") == "true"
    assert widget.get("aria-describedby").split() == ["id_note_helptext", "id_note_error"]
    assert row.get_element_by_id("id_note_error").text_content().strip()
    assert row.get_element_by_id("id_note_helptext").text_content() == "Ghi chú <không bắt buộc>"  # escaped


def test_radio_buttons_and_address_parts_are_fieldsets_named_by_a_legend():
    form = ChoiceForm(data={})
    form.is_valid()
    radios = _field(form, "kind")
    [fieldset] = radios.xpath(".//fieldset")
    assert fieldset.xpath("string(legend)").strip() == "Kind *"  # the field's label and the required mark
    assert fieldset.get("aria-describedby") == "id_kind_error"
    assert len(fieldset.xpath(".//input[@type='radio']")) == 2
    assert all(fieldset.xpath(f".//label[@for='{r.get('id')}']") for r in fieldset.xpath(".//input"))

    eform = build_form_class(
        [{"name": "addr", "type": "address", "label": {"vi": "Nơi cư trú"}, "required": True}], language="vi"
    )(data={})
    eform.is_valid()
    address = _field(eform, "addr")
    [fieldset] = address.xpath(".//fieldset")
    assert fieldset.xpath("string(legend)").startswith("Nơi cư trú")
    assert fieldset.get("aria-describedby") == "id_addr_error"
    assert not address.xpath("./label")  # each part has its own label, the group its legend


def test_the_error_summary_links_each_error_to_its_field():
    form = ChoiceForm(data={})
    form.is_valid()
    summary = html.fromstring(render_to_string("includes/_error_summary.html", {"form": form}))
    assert summary.get("role") == "alert"
    assert summary.xpath(".//a/@href") == ["#id_kind_0", "#id_note"]
