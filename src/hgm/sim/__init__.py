"""hgm.sim"""
