"""Awareness and support (phase 3): newsletter with double opt-in, regional news written by
URPS coordinators, webinars with reminders, replay and Q&A moved into the FAQ, « être
accompagné » support requests handled by the regional union. Every e-mail goes through the
task queue (:mod:`kineco2.jobs.mail`)."""
