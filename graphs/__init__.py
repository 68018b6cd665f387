"""Ready LangGraph apps built from langchain-semantix, listed in ``langgraph.json``.

Both run offline by default (scripted chat models, a keyword judge); see
:mod:`graphs.models` for using a real provider.
"""
