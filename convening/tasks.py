from celery import shared_task


# The result is stored (unlike the project default) because its only purpose
# is to prove a round trip: web → broker → worker → result backend → caller.
@shared_task(bind=True, ignore_result=False)
def ping(self) -> dict[str, str]:
    return {"pong": self.request.hostname}
