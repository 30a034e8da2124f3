from messaging import models as messaging


class OutboxMessage(messaging.OutboxMessage):
    pass


class InboxMessage(messaging.InboxMessage):
    pass


class DeadLetter(messaging.DeadLetter):
    pass
