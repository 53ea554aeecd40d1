"""hgm.sandbox"""
