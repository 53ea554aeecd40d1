"""hgm.cli"""
