"""hgm.store"""
