"""One English word, two meanings: "Report", "Change", "All" and "Open" carry a message context
(pgettext) at each use, so that each language translates each meaning on its own."""
import pytest
from django.template.loader import render_to_string
from django.utils import translation

from communities.forms import DirectoryFilterForm
from moderation.models import FlagState
from records.views.declassification import REVIEW_CHOICES
from unisocial.classification import Visibility

MEANINGS = {
    # language: (flag button, records report column, language button, history column,
    #            all communities, all items, open community, open flag)
    "fr": ("Signaler", "Rapport", "Changer", "Type de modification", "Toutes", "Tous", "Ouverte", "Ouvert"),
    "es": ("Denunciar", "Informe", "Cambiar", "Tipo de cambio", "Todas", "Todos", "Abierta", "Abierta"),
    "ru": ("Пожаловаться", "Отчёт", "Изменить", "Изменение", "Все", "Все", "Открытое", "Открыто"),
}


@pytest.mark.parametrize("lang", sorted(MEANINGS))
def test_each_meaning_has_its_own_translation(lang):
    flag, report, button, column, all_communities, all_items, open_community, open_flag = MEANINGS[lang]
    with translation.override(lang):
        assert translation.pgettext("flag an item", "Report") == flag
        assert translation.pgettext("records report", "Report") == report
        assert translation.pgettext("button", "Change") == button
        assert translation.pgettext("history column", "Change") == column
        assert str(DirectoryFilterForm().fields["visibility"].choices[0][1]) == all_communities
        assert str(REVIEW_CHOICES[0][1]) == all_items
        assert str(Visibility.OPEN.label) == open_community
        assert str(FlagState.OPEN.label) == open_flag


def test_the_records_dashboard_column_reads_report_not_flag():
    with translation.override("fr"):
        html = render_to_string("records/_dashboard_runs.html", {"report_runs": []})
    assert '<th scope="col">Rapport</th>' in html and "Signaler" not in html
