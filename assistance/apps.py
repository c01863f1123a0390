from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "Social assistance"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from assistance import projections, roles, script_helpers, workdays
        from assistance.evidence import evidence_on_file
        from assistance.kinds import discover
        from assistance.models import CalendarDay, EvidenceKind
        from engine import registry
        from engine.runtime import instance_changed

        for name, function in script_helpers.HELPERS.items():
            registry.register_helper(name, function)
        registry.register_roles(roles.ROLES)
        registry.register_evidence_kinds(dict(EvidenceKind.choices))
        registry.register_evidence_lookup(evidence_on_file)
        discover()
        instance_changed.connect(
            projections.on_instance_changed, dispatch_uid="assistance.case_projection"
        )
        # The working-day calendar the process keeps is dropped when a day is corrected.
        post_save.connect(
            workdays.calendar_changed, sender=CalendarDay, dispatch_uid="assistance.calendar_saved"
        )
        post_delete.connect(
            workdays.calendar_changed,
            sender=CalendarDay,
            dispatch_uid="assistance.calendar_deleted",
        )
