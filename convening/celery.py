import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from convening.observability import task_finished, task_queued, task_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convening.settings")

# DjangoTask gives every task delay_on_commit(), so nothing is enqueued for a
# transaction that later rolls back.
app = Celery("convening", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The people pages' mail (convening/people/tasks.py).
app.autodiscover_tasks(["convening.people"])
# The audit trail's retention (convening/audit/tasks.py).
app.autodiscover_tasks(["convening.audit"])
# The assessments app keeps its tasks beside the feature each belongs to.
app.autodiscover_tasks(["assessments.mail", "assessments.reports", "assessments.rounds", "assessments.meeting"])
# Every line logged while a task runs carries its id, and the id of the request that queued it.
before_task_publish.connect(task_queued)
task_prerun.connect(task_started)
task_postrun.connect(task_finished)
