"""hgm.search"""
