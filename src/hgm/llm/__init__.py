"""hgm.llm"""
