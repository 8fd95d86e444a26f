"""The English texts of the instrument definitions that a page shows as they are: the
licence and, per language version, its source and the note on it. The definitions are
versioned and stored with each administration, so their JSON keeps one English text;
these lines put the texts in the translation catalogues, and the pages translate them
when they show them (``{% translate spec.licence %}``). A test holds this list complete.
"""

from django.utils.translation import gettext_noop

DEFINITION_TEXTS = (
    gettext_noop(
        "Public domain (U.S. National Institute of Mental Health); free to use and translate."
    ),
    gettext_noop("NIMH ASQ toolkit, English original"),
    gettext_noop("Qamqor working translation"),
    gettext_noop("NIMH publishes a Russian ASQ; compare this text with it before clinical use."),
    gettext_noop("No validated Kazakh version is known to the project."),
    gettext_noop("Free to use for clinical and research purposes (the CATS Consortium)."),
    gettext_noop("CATS Youth Report 7–17, English original"),
    gettext_noop("Check with the CATS Consortium for an authorised Russian version."),
    gettext_noop(
        "Free for use in clinical, community and public health settings without "
        "permission (The Columbia Lighthouse Project); electronic commercial use may need "
        "the project's agreement."
    ),
    gettext_noop(
        "C-SSRS Screen Version – Recent, English original (The Columbia Lighthouse Project)"
    ),
    gettext_noop(
        "The Columbia Lighthouse Project distributes a Russian version; compare before "
        "clinical use."
    ),
    gettext_noop("Ask the Columbia Lighthouse Project whether a Kazakh version exists."),
    gettext_noop(
        "Free to use: no permission is required to reproduce, translate, display or "
        "distribute (Pfizer Inc.)."
    ),
    gettext_noop("GAD-7, English original (phqscreeners.com)"),
    gettext_noop(
        "A Russian version is distributed by Pfizer; compare this text with it before clinical use."
    ),
    gettext_noop("PHQ-9, English original (phqscreeners.com)"),
    gettext_noop("PHQ-A (PHQ-9 Modified for Teens), English original"),
    gettext_noop("No validated Russian PHQ-A text is held by the project."),
    gettext_noop(
        "Free to use without permission (WHO Collaborating Centre in Mental Health, "
        "Psychiatric Research Unit, Mental Health Centre North Zealand)."
    ),
    gettext_noop("WHO-5, English original (1998 version)"),
    gettext_noop(
        "An official Russian WHO-5 exists; compare this text with it before clinical use."
    ),
)
