import pytest
from customers.test_api import api_body, LIST_URL
from factories import unique_identifiers
pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("country", ["ﬃ", "ß", "zz", "1", "IND", "in"])
def test_country(api_client_for, admin_user, country):
    body = api_body(**unique_identifiers(1)) | {"country": country}
    r = api_client_for(admin_user).post(LIST_URL, body, format="json")
    print(country, r.status_code, r.content[:300])
