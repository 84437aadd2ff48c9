import pytest
from django.core.exceptions import ValidationError

from cases.identity import (
    mask_id_number,
    mask_phone,
    normalize_phone,
    validate_id_number,
)


def test_it_accepts_a_valid_id_number_with_x_check_char():
    validate_id_number("11010519491231002X")


def test_it_accepts_lowercase_x():
    validate_id_number("11010519491231002x")


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_format"),
        ("1101051949123100AX", "id_format"),
        ("110105194913310028", "id_birth_date"),
        ("", "id_format"),
    ],
)
def test_it_rejects_bad_id_numbers_with_a_reason(value, code):
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    assert info.value.code == code


def test_it_masks_id_numbers_keeping_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_it_normalizes_chinese_mobiles_to_e164():
    assert normalize_phone("138 1234 5678") == "+8613812345678"
    assert normalize_phone("+86 138-1234-5678") == "+8613812345678"


@pytest.mark.parametrize("value", ["12345", "abc", "010-12345678", "+86 100 0000 0000"])
def test_it_rejects_numbers_that_are_not_mobiles(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)


def test_it_masks_phones_in_the_chinese_way():
    assert mask_phone("+8613812345678") == "138****5678"


def test_it_masks_email_addresses_keeping_the_domain():
    from cases.identity import mask_contact, mask_email

    assert mask_email("zhangsan@example.com") == "z*******@example.com"
    assert mask_email("a@b.cn") == "a***@b.cn"
    assert mask_contact("+8613812345678") == "138****5678"
    assert mask_contact("zhangsan@example.com") == "z*******@example.com"
