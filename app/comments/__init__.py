"""Comments: the form, the moderation policy and the services that store and list them.

A domain package with no blueprint: the content pages show and accept comments, the
moderation area manages them.
"""
