"""Payment test data: a submitted dossier whose procedure snapshot (built here) charges a fee,
so the tests do not depend on the dossiers services. The factories come from the apps that own
the models."""

import factory

from tests.catalog.factories import ProcedureVersionFactory
from tests.dossiers.factories import DossierFactory


def fee_snapshot(fees=(("Lệ phí cấp bản sao trích lục", "fee", "135000"),), timing="before_intake", refund=True):
    return {
        "code": "1.000001",
        "name": "Cấp bản sao trích lục hộ tịch",
        "fees": [{"name": n, "kind": k, "amount": a, "note": ""} for n, k, a in fees],
        "fee_timing": timing,
        "refund_on_refusal": refund,
    }


class FeeDossierFactory(DossierFactory):
    """A submitted dossier whose procedure charges the fee of `fee_snapshot()`."""

    procedure_version = factory.SubFactory(ProcedureVersionFactory, snapshot=factory.LazyFunction(fee_snapshot))
