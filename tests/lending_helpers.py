"""Shared data for the lending tests: valid national IDs, an ADL score sheet, API steps."""
from __future__ import annotations

from devices import services as devices
from lending.services import people, pipeline


def national_id(first12: str) -> str:
    """A valid Thai national ID from its first 12 digits (computes the check digit)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


ADL_BED_BOUND = [0, 0, 1, 0, 0, 0, 0, 0, 1, 1]      # total 3
ADL_HOME_BOUND = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1]     # total 8
ADL_SOCIAL_BOUND = [2, 1, 3, 2, 2, 2, 1, 1, 2, 2]   # total 18

PERSON = {"title": "นาง", "first_name": "สมศรี", "last_name": "ใจดี", "phone": "081-234-5678", "house_no": "12/3",
          "moo": "4", "tambon": "บ้านสวน", "amphoe": "เมืองชลบุรี", "changwat": "ชลบุรี", "postcode": "20000",
          "caregiver_name": "สมชาย ใจดี", "caregiver_relation": "บุตร", "caregiver_phone": "089-111-2222",
          "disability_types": ["physical"],
          "consent": {"given_by": "สมศรี ใจดี", "relation": "ตนเอง"}}


class Api:
    """Tiny helper that calls the API as one user and checks the status."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def call(self, method, path, expect=None, **kwargs):
        response = getattr(self.client, method)(path, headers={**self.headers, **kwargs.pop("headers", {})},
                                                **kwargs)
        if expect is not None:
            assert response.status_code == expect, (path, response.status_code, response.get_json())
        return response

    def post(self, path, json=None, expect=None, **kwargs):
        return self.call("post", path, expect, json=json, **kwargs).get_json()

    def get(self, path, expect=200):
        return self.call("get", path, expect).get_json()


def approved_request(actors, type_code: str = "WC", first_name: str = "ก", channel: str = "phone"):
    """A new person's request, assessed suitable (home-bound) and approved: proposed or waitlisted."""
    person = people.create_person({"first_name": first_name}, {"given_by": first_name}, by=actors["staff"])
    req = pipeline.submit(person, devices.get_type(type_code), {"channel": channel}, by=actors["staff"])
    pipeline.record_assessment(req, {"adl_items": ADL_HOME_BOUND, "suitable": True}, by=actors["assessor"])
    pipeline.decide(req, True, "", by=actors["supervisor"])
    return req
