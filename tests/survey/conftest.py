from __future__ import annotations

import pytest


@pytest.fixture
def survey(practice, user):
    from kineco2.survey.services import survey_open

    return survey_open(practice=practice, user=user, reference_year=2025, days=14)


@pytest.fixture
def other_survey(other_practice, other_user):
    from kineco2.survey.services import survey_open

    return survey_open(practice=other_practice, user=other_user, reference_year=2025, days=14)
