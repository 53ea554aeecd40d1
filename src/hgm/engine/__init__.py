"""hgm.engine"""
