# The supplier collaboration rules leave the tenant for a row of their own (issue 11: a core that
# knows no domain app). This creates the table and copies each tenant's values; portal's
# 0011_tenant_without_collaboration_rules then drops the tenant's columns.

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

RULES = [
    "ack_days_early",
    "ack_days_late",
    "ack_qty_over_pct",
    "ack_qty_under_pct",
    "asn_qty_over_pct",
    "gs1_company_prefix",
]


def rules_from_tenants(apps, schema_editor):
    Tenant = apps.get_model("portal", "Tenant")
    CollaborationRules = apps.get_model("suppliers", "CollaborationRules")
    CollaborationRules.objects.bulk_create(
        CollaborationRules(tenant_id=row["pk"], **{name: row[name] for name in RULES})
        for row in Tenant.objects.values("pk", *RULES)
    )


def rules_to_tenants(apps, schema_editor):
    Tenant = apps.get_model("portal", "Tenant")
    CollaborationRules = apps.get_model("suppliers", "CollaborationRules")
    for row in CollaborationRules.objects.values("tenant_id", *RULES):
        Tenant.objects.filter(pk=row.pop("tenant_id")).update(**row)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_gs1_prefix_ascii_digits"),
        ("suppliers", "0016_package_sscc_when_filled"),
    ]

    operations = [
        migrations.CreateModel(
            name="CollaborationRules",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "ack_days_early",
                    models.PositiveSmallIntegerField(
                        default=3,
                        help_text="A promised date this many days before the requested one goes through.",
                        verbose_name="days early accepted",
                    ),
                ),
                (
                    "ack_days_late",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="A promised date this many days after the requested one goes through.",
                        verbose_name="days late accepted",
                    ),
                ),
                (
                    "ack_qty_over_pct",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        help_text="A promised quantity up to this much above the ordered one goes through.",
                        max_digits=5,
                        verbose_name="quantity over accepted (%)",
                    ),
                ),
                (
                    "ack_qty_under_pct",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        help_text="A promised quantity up to this much below the ordered one goes through.",
                        max_digits=5,
                        verbose_name="quantity under accepted (%)",
                    ),
                ),
                (
                    "asn_qty_over_pct",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("5.00"),
                        help_text="An ASN may ship this much more than is still open on a line.",
                        max_digits=5,
                        verbose_name="over-shipment accepted (%)",
                    ),
                ),
                (
                    "gs1_company_prefix",
                    models.CharField(
                        blank=True,
                        help_text="Used to number packages (SSCC-18).",
                        max_length=11,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[0-9]{6,11}$", "A GS1 company prefix has 6 to 11 digits (0-9)."
                            )
                        ],
                        verbose_name="GS1 company prefix",
                    ),
                ),
                (
                    "tenant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="collaboration_rules",
                        to="portal.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "supplier collaboration rules",
                "verbose_name_plural": "supplier collaboration rules",
            },
        ),
        migrations.RunPython(rules_from_tenants, rules_to_tenants),
    ]
