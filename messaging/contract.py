"""Message contracts and the envelope that carries them between quanta.

A contract is a small, versioned, past-tense fact. It names the quantum that receives it, because the
queue a message travels on is named after its receiver. Both sides validate: the sender when it
builds the message, the receiver when it opens the envelope.
"""

from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError


class ContractViolation(Exception):
    """The envelope or its payload does not match any contract this process knows."""


_Read = TypeVar("_Read", bound="Message")


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    RECEIVER: ClassVar[str]

    _known: ClassVar[dict[tuple[str, int], type["Message"]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key = (cls.TYPE, cls.VERSION)
        if key in Message._known:
            raise TypeError(f"two contracts claim {cls.TYPE} version {cls.VERSION}")
        Message._known[key] = cls

    @staticmethod
    def contract_for(type_: str, version: int) -> type["Message"]:
        try:
            return Message._known[(type_, version)]
        except KeyError:
            raise ContractViolation(f"unknown message type {type_!r} version {version}") from None

    @staticmethod
    def contracts() -> list[type["Message"]]:
        """Every contract this process has imported, by type then version."""
        return [Message._known[key] for key in sorted(Message._known)]

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The payload's JSON Schema, with the type, version and receiver it travels under."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "x-message-type": cls.TYPE,
            "x-version": cls.VERSION,
            "x-receiver": cls.RECEIVER,
            **cls.model_json_schema(),
        }

    def read_as(self, contract: type[_Read]) -> _Read:
        """This message as another version of its contract reads it: fields that version does not
        know are dropped, those it knows and this one lacks take their defaults. Versions kept
        compatible (messaging/compatibility.py) read each other's messages without loss of meaning,
        so a handler can work on one version whichever one arrived."""
        if contract.TYPE != self.TYPE:
            raise TypeError(f"a {self.TYPE} cannot be read as a {contract.TYPE}")
        known = contract.model_fields.keys()
        fields = {name: value for name, value in self.model_dump().items() if name in known}
        try:
            return contract.model_validate(fields)
        except ValidationError as error:
            raise ContractViolation(
                f"{self.TYPE} v{self.VERSION} does not read as v{contract.VERSION}: {_summary(error)}"
            ) from None


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    type: str
    version: int
    occurred_at: AwareDatetime
    correlation_id: UUID
    sender: str
    payload: dict[str, Any]

    @classmethod
    def parse(cls, raw: Any) -> "Envelope":
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ContractViolation(f"malformed envelope: {_summary(error)}") from None

    def open(self) -> Message:
        contract = Message.contract_for(self.type, self.version)
        try:
            return contract.model_validate(self.payload)
        except ValidationError as error:
            raise ContractViolation(
                f"{self.type} v{self.version} payload is invalid: {_summary(error)}"
            ) from None


def _summary(error: ValidationError) -> str:
    """Field names and reasons only: an input value could be something that must never be logged."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'body'}: {detail['msg']}"
        for detail in error.errors()
    )
