"""The demo's calls: four realistic phone calls to and from "Acme Roofing".

Owns the scripted conversations only; agent ids and numbers come from the caller (the demo CLI
passes the workspace's), so the same calls exercise whatever workspace is configured. All
people are fictional, numbers are in the 555-01xx range and emails use example.com.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from callstate.sandbox.retell.calls import CallScenario, agent_id_for

UNCONFIGURED_AGENT_ID = agent_id_for("acme-unconfigured")


def demo_scenarios(
    now: datetime,
    *,
    inbound_agent_id: str,
    outbound_agent_id: str,
    inbound_number: str,
    outbound_number: str,
    unconfigured_agent_id: str = UNCONFIGURED_AGENT_ID,
    unconfigured_number: str = "+14155550109",
) -> list[CallScenario]:
    """A qualified inbound lead, an opening-hours question, an outbound voicemail, and an
    inbound call through an agent the workspace does not know (the default-audience path).

    Calls are spread over the half hour before `now` (aware), oldest first, so every event
    timestamp lies in the past when the demo sends them.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return [
        CallScenario(
            seed="acme-demo-quote",
            agent_id=inbound_agent_id,
            agent_name="Acme Roofing - Inbound",
            direction="inbound",
            from_number="+14155550142",
            to_number=inbound_number,
            start=now - timedelta(minutes=31),
            caller_name="Dana Whitfield",
            caller_email="dana.whitfield@example.com",
            summary=(
                "Dana Whitfield called about storm damage to her asphalt-shingle roof and wants "
                "a replacement quote. She booked a roof inspection for tomorrow afternoon."
            ),
            sentiment="Positive",
            call_successful=True,
            custom_analysis_data={
                "intent": "quote",
                "service": "roof replacement",
                "timeline": "this week",
                "homeowner": True,
                "roof_age_years": 22,
                "next_step": "Roof inspection booked",
            },
            transcript=(
                ("agent", "Thanks for calling Acme Roofing, this is Sam. How can I help?"),
                ("user", "Hi Sam, the storm last night tore a bunch of shingles off my roof."),
                ("agent", "Sorry to hear that. Is any water coming in, or is it dry inside?"),
                ("user", "It's dry for now, but I'd like a quote to replace the whole roof."),
                ("agent", "We can do that. May I have your name and an email for the quote?"),
                ("user", "Dana Whitfield, and it's dana.whitfield@example.com."),
                ("agent", "Thanks, Dana. Let me check our inspectors' calendars."),
                ("agent", "I have tomorrow afternoon at a few times. Which works best?"),
                ("user", "The first one, please."),
                ("agent", "You're booked. You'll get a confirmation by email."),
                ("user", "Great, thank you."),
            ),
        ),
        CallScenario(
            seed="acme-demo-hours",
            agent_id=inbound_agent_id,
            agent_name="Acme Roofing - Inbound",
            direction="inbound",
            from_number="+14155550167",
            to_number=inbound_number,
            start=now - timedelta(minutes=22),
            summary="The caller asked for Acme's opening hours and ended the call.",
            sentiment="Neutral",
            call_successful=True,
            custom_analysis_data={"intent": "opening_hours"},
            transcript=(
                ("agent", "Thanks for calling Acme Roofing, this is Sam. How can I help?"),
                ("user", "Hi, what time are you open until on Saturday?"),
                ("agent", "On Saturdays we're open from eight until noon."),
                ("user", "Okay, thanks. Bye."),
            ),
        ),
        CallScenario(
            seed="acme-demo-voicemail",
            agent_id=outbound_agent_id,
            agent_name="Acme Roofing - Reactivation",
            direction="outbound",
            from_number=outbound_number,
            to_number="+14155550188",
            start=now - timedelta(minutes=14),
            voicemail=True,
            dynamic_variables={"customer_name": "Priya Raman"},
            summary="The agent reached Priya Raman's voicemail and left a callback message.",
            sentiment="Unknown",
            call_successful=False,
            transcript=(
                ("user", "Hi, you've reached Priya. Please leave a message after the tone."),
                (
                    "agent",
                    "Hi Priya, this is Sam from Acme Roofing following up on your gutter "
                    "estimate. Call us back at this number when it suits you. Thanks!",
                ),
            ),
        ),
        CallScenario(
            seed="acme-demo-unconfigured",
            agent_id=unconfigured_agent_id,
            agent_name="Acme Roofing - Spanish line",
            direction="inbound",
            from_number="+14155550131",
            to_number=unconfigured_number,
            start=now - timedelta(minutes=6),
            caller_name="Tomás Okafor",
            summary="Tomás Okafor asked whether Acme repairs skylight leaks; he wants a call back.",
            sentiment="Neutral",
            call_successful=True,
            custom_analysis_data={
                "intent": "repair",
                "service": "skylight leak",
                "callback_requested": True,
            },
            transcript=(
                ("agent", "Acme Roofing, this is Sam. How can I help you today?"),
                ("user", "Hi, this is Tomás Okafor. Do you fix leaking skylights?"),
                ("agent", "We do. Can someone call you back on this number to set a visit?"),
                ("user", "Yes, this number is fine."),
            ),
        ),
    ]


def team_scenarios(
    now: datetime, *, inbound_agent_id: str, inbound_number: str
) -> list[CallScenario]:
    """Two calls the team must hear about: a caller who asks not to be called again and
    threatens a complaint (a review item), and a call the runtime dropped with an error (an
    alert). Spread over the five minutes before `now` (aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return [
        CallScenario(
            seed="acme-demo-complaint",
            agent_id=inbound_agent_id,
            agent_name="Acme Roofing - Inbound",
            direction="inbound",
            from_number="+14155550176",
            to_number=inbound_number,
            start=now - timedelta(minutes=5),
            caller_name="Glen Marsh",
            summary=(
                "Glen Marsh is upset about repeated calls about a quote he never asked for and "
                "wants to be removed from the list."
            ),
            sentiment="Negative",
            call_successful=False,
            custom_analysis_data={"outcome": "do_not_call", "caller_name": "Glen Marsh"},
            transcript=(
                ("agent", "Thanks for calling Acme Roofing, this is Ava. How can I help?"),
                ("user", "You people keep ringing me about a quote I never asked for."),
                ("agent", "I'm sorry about that. Would you like us to stop calling?"),
                ("user", "Yes. Stop calling me, or I'll report you. Take me off your list."),
                ("agent", "Understood, I'll make sure you're removed. Sorry for the trouble."),
            ),
        ),
        CallScenario(
            seed="acme-demo-dropped",
            agent_id=inbound_agent_id,
            agent_name="Acme Roofing - Inbound",
            direction="inbound",
            from_number="+14155550193",
            to_number=inbound_number,
            start=now - timedelta(minutes=3),
            disconnection_reason="error_llm_websocket_open",
            summary="The call dropped while the agent was greeting the caller.",
            sentiment="Unknown",
            call_successful=False,
            transcript=(("agent", "Thanks for calling Acme Roofing, this is"),),
        ),
    ]
