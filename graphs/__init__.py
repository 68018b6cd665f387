"""Ready LangGraph apps built from langchain-semantix, listed in ``langgraph.json``.

Serve them locally with LangGraph's in-memory dev server::

    pip install -e ".[server]"
    langgraph dev --no-browser          # http://127.0.0.1:2024, Studio works too

and call them with ``langgraph_sdk``::

    from langgraph_sdk import get_sync_client

    client = get_sync_client(url="http://127.0.0.1:2024")
    client.runs.wait(None, "self_healing_agent", input={"messages": [{"role": "human", "content": "Decline the gala"}]})
    client.runs.wait(None, "flywheel", input={"inputs": ["the gala", "the fair"]})

Both run offline by default (scripted chat models, a keyword judge); see
:mod:`graphs.models` for a real provider, and :mod:`graphs.flywheel` for where it writes.
"""
