"""Pure report building: a cluster view, a diagnosis, audit figures and usage advice in, the
sections of the weekly health report (``models.health``) out. No I/O, no clock: ``now`` and
every figure are passed in, so a live cluster, the sandbox and recorded history give the same
report. The schedule manifests (``reports.schedule``) are built here too, from settings values.
"""
