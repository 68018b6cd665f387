"""A tiny hand-written labelled set: 3 requirements x 8 outputs (4 satisfy, 4 violate, 2 hard)."""

from __future__ import annotations

from langchain_semantix import Intent
from langchain_semantix.training.judge import LabelledExample

DECLINE = "The text must politely decline an invitation without being rude."
DATE = "The text must confirm the refund and give the date it will arrive."
APOLOGY = "The text must apologise and offer a concrete next step."

ROWS: list[tuple[str, str, bool, bool]] = [
    (DECLINE, "Thank you so much for inviting me, but I won't be able to make it.", True, False),
    (DECLINE, "I'm honoured you asked; sadly I have to decline this time.", True, False),
    (DECLINE, "Thanks for thinking of me! Unfortunately I can't attend.", True, False),
    (DECLINE, "What a kind invitation. I'm afraid I must say no, but have a wonderful evening.", True, False),
    (DECLINE, "No. I'm not coming to your stupid party.", False, True),
    (DECLINE, "I'd love to come, count me in!", False, True),
    (DECLINE, "The weather tomorrow will be sunny.", False, False),
    (DECLINE, "Please send the invoice by Friday.", False, False),
    (DATE, "Your refund has been approved and will reach your account on 12 March.", True, False),
    (DATE, "We've processed the refund; expect it by Monday, 3 June.", True, False),
    (DATE, "Refund confirmed. The money arrives on 1 July.", True, False),
    (DATE, "Good news: your refund is on its way and lands on 20 May.", True, False),
    (DATE, "Your refund has been confirmed.", False, True),
    (DATE, "We cannot refund this order.", False, True),
    (DATE, "Our store opens at nine.", False, False),
    (DATE, "Thanks for the lovely invitation!", False, False),
    (APOLOGY, "I'm sorry for the delay; I've reshipped your order and sent the tracking number.", True, False),
    (APOLOGY, "Apologies for the mix-up. I'll call you tomorrow at 10 to fix it.", True, False),
    (APOLOGY, "Sorry about that! I've refunded the charge and emailed a receipt.", True, False),
    (APOLOGY, "We apologise. A technician will visit on Tuesday to replace the part.", True, False),
    (APOLOGY, "We're very sorry for the inconvenience.", False, True),
    (APOLOGY, "It's not our fault, deal with it.", False, True),
    (APOLOGY, "The meeting is at noon.", False, False),
    (APOLOGY, "Here is a recipe for pancakes.", False, False),
]
INTENTS = {DECLINE: "PoliteDecline", DATE: "RefundDate", APOLOGY: "ApologyNextStep"}


def examples() -> list[LabelledExample]:
    return [LabelledExample(requirement=r, output=o, label=y, intent=INTENTS[r], metadata={"hard": h}) for r, o, y, h in ROWS]


class DeclineIntent(Intent):
    """The text must politely decline an invitation without being rude."""


assert DeclineIntent.description() == DECLINE
