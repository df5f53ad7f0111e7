# The supplier collaboration rules live in suppliers.CollaborationRules now; its migration copied
# each tenant's values (and copies them back when reversed), so the tenant's columns can go.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_gs1_prefix_ascii_digits"),
        ("suppliers", "0017_collaboration_rules"),
    ]

    operations = [
        migrations.RemoveField(model_name="tenant", name=name)
        for name in (
            "ack_days_early",
            "ack_days_late",
            "ack_qty_over_pct",
            "ack_qty_under_pct",
            "asn_qty_over_pct",
            "gs1_company_prefix",
        )
    ]
