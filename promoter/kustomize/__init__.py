"""Everything about kustomization files and kustomize itself: reading and byte-exact editing of
`images:`, the edit session that restores a file on failure, rendering an overlay, and proving by
the render that an overlay deploys what was asked.

Import from the modules: imageref, arguments, entries, scalars, document, splice, check, files,
session, render, rendered, verify.
"""
