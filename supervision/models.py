"""What happens after the list is adopted, one models module per concern, all registered under
the app label ``supervision``: the ledger (progress reports), photos, messaging, the figure caches,
follow-up work, documents, notices and the year's end. Import a model from here or from its
package; migrations name the upload paths through this module.

Accepted progress reports are the official, append-only record (the database refuses to update
or delete them: see migration 0002). Every figure "as of" a date is computed from them.
"""

from supervision.documents.models import (  # noqa: F401
    Circular,
    CircularSequence,
    ExportJob,
    RankingPublication,
    circular_document_path,
    export_file_name,
)
from supervision.figures.models import (  # noqa: F401
    ItemPace,
    PlanFiguresVersion,
    PlanSnapshot,
    RegionFigures,
    SubItemPace,
)
from supervision.followup.models import (  # noqa: F401
    Flag,
    InspectionVisit,
    Rectification,
    RectificationEvent,
    RectificationPhoto,
    ReminderLog,
    Satisfaction,
    SupervisionOrder,
    SupervisionOrderEvent,
    SupervisionOrderSequence,
    VisitedItem,
    VisitPhoto,
    rectification_photo_path,
    visit_photo_path,
)
from supervision.ledger.models import (  # noqa: F401
    ProgressReport,
    ProgressReportQuerySet,
    ReportFunding,
    ReportPhoto,
    report_photo_path,
)
from supervision.messaging.models import (  # noqa: F401
    Delivery,
    Notification,
    UnitChannels,
    UserChannels,
)
from supervision.notices.models import (  # noqa: F401
    NoticeObjection,
    ProgressNotice,
)
from supervision.photos.models import (  # noqa: F401
    PhotoDraft,
    PhotoFacts,
    PhotoStage,
    draft_photo_path,
)
from supervision.yearend.models import (  # noqa: F401
    Evaluation,
    EvaluationBallot,
    EvaluationRectification,
    EvaluationVote,
    PaperTally,
)
