"""Chinese resident ID numbers and mobile numbers: validation and masking.

PIPL Art. 28 treats ID numbers as sensitive personal data, so every display
uses the masked forms below unless a permitted user explicitly unmasks.
"""

import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of GB 11643-1999."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="id_format",
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth in this ID number is not a real date."), code="id_birth_date"
        ) from None
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's check character is wrong; please check each digit."),
            code="id_checksum",
        )


def mask_id_number(value: str) -> str:
    """110105199001010025 -> 110105********0025"""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def normalize_phone(value: str, region: str = "CN") -> str:
    """Return the E.164 form of a valid mobile number, else raise ValidationError."""
    try:
        parsed = phonenumbers.parse((value or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a phone number."), code="phone_format") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This phone number does not exist; please check it."), code="phone_invalid"
        )
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("Please give a mobile number: notices are sent by SMS."), code="phone_not_mobile"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def mask_phone(value: str) -> str:
    """+8613812345678 -> 138****5678 (national form for Chinese numbers)."""
    if not value:
        return ""
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    """zhangsan@example.com -> z*******@example.com"""
    if not value or "@" not in value:
        return "*" * len(value or "")
    local, domain = value.rsplit("@", 1)
    return local[:1] + "*" * max(len(local) - 1, 3) + "@" + domain


def mask_contact(value: str) -> str:
    """Mask an email address or a phone number, whichever it is."""
    return mask_email(value) if "@" in (value or "") else mask_phone(value)
