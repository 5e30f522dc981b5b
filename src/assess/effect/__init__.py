"""Effect analysis: did a campaign really change counts of violations and complaints?"""
