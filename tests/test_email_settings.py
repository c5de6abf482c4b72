from django.conf import settings


def test_a_stalled_mail_server_times_out_before_the_task_does():
    """Otherwise the task is killed mid-send and the message stays pending forever."""
    assert settings.EMAIL_TIMEOUT < settings.CELERY_TASK_SOFT_TIME_LIMIT
