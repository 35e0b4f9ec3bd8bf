"""Regions: the administrative tree with GB/T 2260 codes, plans and units belonging to one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects import regions
from projects.models import Region
from tests.factories import PlanFactory, UnitFactory, region


class TestCodeRules:
    def test_province_city_and_county_codes_have_six_digits_and_townships_nine(self):
        assert regions.code_errors("440000", "province") == {}
        assert regions.code_errors("440100", "city", parent_code="440000", parent_level="province") == {}
        assert regions.code_errors("440106", "county", parent_code="440100", parent_level="city") == {}
        assert regions.code_errors("440106001", "township", parent_code="440106", parent_level="county") == {}

    @pytest.mark.parametrize(
        "code,level,message",
        [
            ("44000", "province", "省级区划代码须为6位数字"),
            ("440106001", "county", "县级区划代码须为6位数字"),
            ("440106", "township", "乡级区划代码须为9位数字"),
            ("44a100", "city", "市级区划代码须为6位数字"),
            ("440100", "province", "末4位应为0"),
        ],
    )
    def test_a_code_of_the_wrong_length_or_shape_is_refused_in_chinese(self, code, level, message):
        errors = regions.code_errors(code, level)
        assert message in errors["code"]

    def test_a_code_outside_its_parents_range_is_refused(self):
        errors = regions.code_errors("450106", "county", parent_code="440100", parent_level="city")
        assert errors == {"code": "区划代码“450106”不在上级区划“440100”的代码范围内"}

    def test_a_county_hangs_under_a_city_and_a_province_under_nothing(self):
        assert (
            "上级须为市级"
            in regions.code_errors("440106", "county", parent_code="440000", parent_level="province")[
                "parent"
            ]
        )
        assert regions.code_errors("440000", "province", parent_code="110000", parent_level="province") == {
            "parent": "省级区划没有上级区划"
        }
        assert "须填写上级区划" in regions.code_errors("440100", "city")["parent"]

    def test_the_prefix_is_what_every_region_below_shares(self):
        assert regions.code_prefix("440000", "province") == "44"
        assert regions.code_prefix("440100", "city") == "4401"
        assert regions.code_prefix("440106", "county") == "440106"


@pytest.mark.django_db
class TestRegionModel:
    def test_the_model_validates_its_code_with_the_same_messages(self):
        province = region("440000", "示范省")
        bad = Region(code="4401000", name="错市", level=Region.Level.CITY, parent=province)
        with pytest.raises(ValidationError) as exc:
            bad.full_clean()
        assert "市级区划代码须为6位数字" in str(exc.value)

    def test_the_database_refuses_a_township_code_of_six_digits(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Region.objects.create(code="440106", name="某镇", level=Region.Level.TOWNSHIP)

    def test_within_is_the_region_and_everything_below_it(self):
        province = region("440000", "示范省")
        city = region("440100", "示范市", province)
        county = region("440106", "青山区", city)
        town = region("440106001", "东镇", county)
        other_city = region("440200", "别市", province)
        region("440201", "别区", other_city)
        assert list(Region.objects.within(city)) == [city, county, town]
        assert city.contains(town) and not city.contains(other_city) and county.contains(county)

    def test_plans_and_units_belong_to_a_region_and_may_have_none(self):
        county = region("440106", "青山区", region("440100", "示范市", region("440000", "示范省")))
        plan = PlanFactory(region=county)
        unit = UnitFactory(region=county)
        assert list(county.plans.all()) == [plan] and list(county.units.all()) == [unit]
        assert PlanFactory().region is None
